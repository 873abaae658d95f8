// The page's entry point: the spec playground, and "Try the model" when the server has a run
// folder. Each part reports its own failures in the page; neither stops the other.
import { Playground } from './playground.js';
import { TryModel } from './try-model.js';
import * as api from './api.js';

async function main(): Promise<void> {
  const run = api.runInfo().catch(() => null);
  // The run's own spec opens first when it is in the specs folder.
  const runSpec = (await run)?.spec?.split('/').pop();
  const playground = new Playground();
  await Promise.all([
    playground.start(runSpec).catch((error: Error) => {
      document.getElementById('verdict')!.textContent = `The playground could not start: ${error.message}`;
    }),
    new TryModel().start().catch((error: Error) => {
      document.getElementById('run-info')!.textContent = `The model could not be tried: ${error.message}`;
    }),
  ]);
  document.body.dataset.ready = 'true';
}

void main();
