// `npm run bench` (add --quick for a short run). Prints Markdown tables; paste them
// into bench/RESULTS.md when they change a default.
import { runConnectorBench } from './connector.bench.ts';

await runConnectorBench();
