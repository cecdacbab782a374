#!/usr/bin/env node
// Development launcher: runs the TypeScript sources in place through tsx (a
// development dependency). The package's own bin is the compiled
// dist/cli/main.js (`npm run build`), which needs no TypeScript loader.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
