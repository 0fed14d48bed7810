// Runs the CLI from source in a child process, as `npx recovery …` runs the built one.
import { main } from '../../src/cli.js';

await main(process.argv);
