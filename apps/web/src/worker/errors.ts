// Errors the worker raises itself (the library's own errors pass through with their types). Each
// message names the problem and what to do about it; the page shows it as it is.

/** A request the worker cannot carry out as asked (a run while another runs, too few images, …). */
export class RunRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunRequestError';
  }
}

/** A build-time method plugin (ODL_WEB_PLUGINS) that did not register. */
export class PluginRegistrationError extends Error {
  constructor(
    /** The module as listed in ODL_WEB_PLUGINS. */
    readonly source: string,
    reason: string,
  ) {
    super(`method plugin ${source} (ODL_WEB_PLUGINS): ${reason}; fix the module or leave it out of ODL_WEB_PLUGINS, then rebuild the page`);
    this.name = 'PluginRegistrationError';
  }
}
