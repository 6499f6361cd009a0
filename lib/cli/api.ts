/**
 * The API client the CLI commands use: lib/api's fetch client, with every answer (success
 * and error bodies alike) checked by answers.ts before a command sees it. The server is
 * named by the link, so the commands treat nothing it sends as trusted until it is checked.
 */
import { ApiError, createApiClient, type ApiClient } from "@/lib/api/client";
import type { CollectResponsesResponse } from "@/lib/api/wire";
import {
  checkCheckAnswer,
  checkCollectAnswer,
  checkCreateRequestAnswer,
  checkRequestCheckAnswer,
  checkRequestStatusAnswer,
  checkRespondAnswer,
  REQUEST_GONE_REASONS,
  checkConfigAnswer,
  checkCreateAnswer,
  checkErrorAnswer,
  checkHealthAnswer,
  checkRevealAnswer,
  checkStatusAnswer,
} from "./answers";

async function checked<T>(
  call: () => Promise<unknown>,
  check: (answer: unknown) => T,
  goneReasons?: readonly string[],
): Promise<T> {
  let answer: unknown;
  try {
    answer = await call();
  } catch (error) {
    if (error instanceof ApiError) checkErrorAnswer(error, goneReasons);
    throw error;
  }
  return check(answer);
}

/** Limits the CLI learnt from /api/config and the status, against which a collect answer is checked. */
export interface CollectLimits {
  maxResponses: number;
  maxCiphertextBytes: number;
}

/** The calls the CLI makes, each answer checked before a command sees it. */
export type CliApiClient = Pick<
  ApiClient,
  | "config"
  | "health"
  | "createSecret"
  | "checkSecret"
  | "revealSecret"
  | "secretStatus"
  | "burnSecret"
  | "createRequest"
  | "respondToRequest"
  | "requestStatus"
> & {
  /** `maxLabelBytes` from /api/config: a larger label is refused before it is opened. */
  checkRequest(id: string, write: string, maxLabelBytes: number): ReturnType<ApiClient["checkRequest"]>;
  collectResponses(
    id: string,
    collect: string,
    claim: string | undefined,
    limits: CollectLimits,
  ): Promise<CollectResponsesResponse>;
};

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
    createRequest: (request, apiToken) =>
      checked(
        () => client.createRequest(request, apiToken),
        (answer) => checkCreateRequestAnswer(answer, request),
        REQUEST_GONE_REASONS,
      ),
    checkRequest: (id, write, maxLabelBytes) =>
      checked(
        () => client.checkRequest(id, write),
        (answer) => checkRequestCheckAnswer(answer, maxLabelBytes),
        REQUEST_GONE_REASONS,
      ),
    respondToRequest: (...args) =>
      checked(() => client.respondToRequest(...args), checkRespondAnswer, REQUEST_GONE_REASONS),
    requestStatus: (...args) =>
      checked(() => client.requestStatus(...args), checkRequestStatusAnswer, REQUEST_GONE_REASONS),
    collectResponses: (id, collect, claim, limits) =>
      checked(
        () => client.collectResponses(id, collect, claim),
        (answer) => checkCollectAnswer(answer, limits),
        REQUEST_GONE_REASONS,
      ),
  };
}
