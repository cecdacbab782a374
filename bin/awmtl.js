#!/usr/bin/env node
// Command-line entry point. The sources are TypeScript; tsx loads them in place.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
