#!/usr/bin/env node
// Pretrains MCUNet-in1 on Fashion-MNIST classes 0-4 with odl's own Trainer (dev-time; needs the
// Debian package dataset-fashion-mnist). Bundles pretrain-mcunet.ts with @odl/* sources through
// esbuild and runs it. The shipped checkpoint comes from pretrain-mcunet.py (its README says how).
//   node packages/models/scripts/pretrain-mcunet.mjs [--epochs 5] [--seed 0] [--batch 64] [--lr 0.1] [--out DIR] [--data DIR]
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTs } from './run-ts.mjs';

const here = dirname(fileURLToPath(import.meta.url));
await runTs(resolve(here, 'pretrain-mcunet.ts'));
