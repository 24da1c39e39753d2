/** The input as a whole cannot be read (missing file, wrong format, bad header): the CLI exits 2 with it. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
