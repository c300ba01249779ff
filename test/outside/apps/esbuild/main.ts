import { runPage } from '../shared/fine-tune';

void runPage('esbuild');
