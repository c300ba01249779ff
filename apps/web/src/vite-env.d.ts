/// <reference types="vite/client" />

/** The build-time method plugins (ODL_WEB_PLUGINS), provided by vite.config.ts. */
declare module 'virtual:odl-plugins' {
  /** Each plugin module's namespace, in the order ODL_WEB_PLUGINS lists them. */
  export const namespaces: Record<string, unknown>[];
  /** Each plugin module's path as ODL_WEB_PLUGINS gives it (for messages). */
  export const sources: string[];
}
