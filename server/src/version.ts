// The product version has one home, package.json; esbuild inlines only this field into the bundles.
import { version } from '../../package.json';

export const VERSION: string = version;
