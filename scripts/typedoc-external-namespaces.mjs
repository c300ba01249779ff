// A typedoc plugin (loaded by typedoc.json): a namespace that a package re-exports from another
// package (`export { tf } from './engine'` in @odl/backend, which is tfjs-core's
// `import * as tf`) is documented as one page — the re-export's own doc comment, which says whose
// namespace it is and links to that package's reference — and none of that package's members.
// References to the removed members (`Tensor`, `Rank`, …) in odl's own signatures then resolve
// through `externalSymbolLinkMappings` (typedoc.json) to that package's site.
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const namespace of project.getReflectionsByKind(ReflectionKind.Namespace)) {
      const packageName = project.getSymbolIdFromReflection(namespace)?.packageName;
      if (packageName === undefined || packageName === project.packageName) continue;
      app.logger.verbose(`${namespace.getFullName()}: a re-export of ${packageName}, documented without its members`);
      for (const child of namespace.children?.slice() ?? []) project.removeReflection(child);
    }
  });
}
