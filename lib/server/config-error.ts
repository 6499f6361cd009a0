/** A bad environment: the message names each bad variable, never a value that may be a credential. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
