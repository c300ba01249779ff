/** A published workspace package: its folder (relative to the root), name and package.json. */
export interface PublishedPackage {
  dir: string;
  name: string;
  manifest: Record<string, any>;
}
export function publishedPackages(root: string): PublishedPackage[];
export function entrySpecifiers(pkg: Pick<PublishedPackage, 'name' | 'manifest'>): string[];
