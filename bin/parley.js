#!/usr/bin/env node
// Runs the TypeScript sources through tsx so the CLI and the tests execute the same code.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
