/**
 * The API client the CLI commands use: lib/api's fetch client, with every answer (success
 * and error bodies alike) checked by answers.ts before a command sees it. The server is
 * named by the link, so the commands treat nothing it sends as trusted until it is checked.
 */
import { ApiError, createApiClient, type ApiClient } from "@/lib/api/client";
import {
  checkCheckAnswer,
  checkConfigAnswer,
  checkCreateAnswer,
  checkErrorAnswer,
  checkHealthAnswer,
  checkRevealAnswer,
  checkStatusAnswer,
} from "./answers";

async function checked<T>(call: () => Promise<unknown>, check: (answer: unknown) => T): Promise<T> {
  let answer: unknown;
  try {
    answer = await call();
  } catch (error) {
    if (error instanceof ApiError) checkErrorAnswer(error);
    throw error;
  }
  return check(answer);
}

/** The calls the CLI makes, each answer checked before a command sees it. */
export type CliApiClient = Pick<ApiClient, "config" | "health" | "createSecret" | "checkSecret" | "revealSecret" | "secretStatus" | "burnSecret">;

export function createCliApiClient(origin: string, fetchImpl?: typeof fetch): CliApiClient {
  const client = createApiClient(origin, fetchImpl);
  return {
    config: () => checked(() => client.config(), checkConfigAnswer),
    health: () => checked(() => client.health(), checkHealthAnswer),
    createSecret: (request, apiToken) =>
      checked(
        () => client.createSecret(request, apiToken),
        (answer) => checkCreateAnswer(answer, request.id),
      ),
    checkSecret: (...args) => checked(() => client.checkSecret(...args), checkCheckAnswer),
    // Rest arguments: whatever revealSecret takes (a claim, PROTOCOL.md §6) passes through.
    revealSecret: (...args) => checked(() => client.revealSecret(...args), checkRevealAnswer),
    secretStatus: (...args) => checked(() => client.secretStatus(...args), checkStatusAnswer),
    burnSecret: (...args) =>
      checked(
        () => client.burnSecret(...args),
        () => undefined,
      ),
  };
}
