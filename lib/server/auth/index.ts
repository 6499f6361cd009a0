/**
 * Who may create (PROTOCOL.md §8): the create routes call authorizeCreate(); the sign-in
 * routes (app/api/auth/**) and the admin API (app/api/admin/**) use the rest.
 */
import "server-only";
export { authorizeAdmin, authorizeCreate, authRequired, type CreateKind } from "./policy";
export { passesCsrfCheck } from "./csrf";
export { signInRefusal } from "./allow-rules";
export { beginSignIn, finishSignIn, LOGIN_PATH, CALLBACK_PATH } from "./oidc";
export {
  clearCookieHeader,
  cookieOf,
  openCookieValue,
  sealCookieValue,
  sessionOf,
  SESSION_COOKIE,
  setCookieHeader,
  SIGN_IN_COOKIE,
  SIGN_IN_MAX_AGE_SECONDS,
  startSession,
} from "./sessions";
export { generateApiToken, sha256Hex } from "./tokens";
export { authPage } from "./pages";
export { senderOf } from "./sender";
export { needsSignInToCreate, pageAccount, type PageAccount } from "./account";
export { authorizeOwner, creatorBodyOf } from "./owner";
