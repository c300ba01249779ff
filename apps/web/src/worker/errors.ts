// Errors the worker raises itself (the library's own errors pass through with their types). Each
// message names the problem and what to do about it; the page shows it as it is.

/** A request the worker cannot carry out as asked (a run while another runs, too few images, …). */
export class RunRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunRequestError';
  }
}
