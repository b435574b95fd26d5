import assert from 'node:assert/strict';
import { join } from 'node:path';
import { replayFromFile } from '../../src/engine/ssm/replay';
import { PROJECT_ROOT } from '../harness/emulator';
import { devConfig, testEngine } from '../harness/engine';

const MODELS_REPLAY = join(PROJECT_ROOT, 'test', 'fixtures', 'ssm', 'models-replay.json');

describe('plan reads the models Ollama has on a running stack (recorded Run Command answers)', function () {
  this.timeout(120_000);

  it('recorded: a model pulled by hand and not in ollamaModels is reported by plan; one that is listed is not', async () => {
    const engine = testEngine({ ssm: replayFromFile(MODELS_REPLAY) });
    try {
      await engine.deploy(devConfig({ ollamaModels: ['llama3.2:3b'] }));
      const plan = await engine.plan(devConfig({ ollamaModels: ['llama3.2:3b'] }));
      const warning = plan.warnings.find((w) => /which ollamaModels does not list/.test(w));
      assert.ok(warning, plan.warnings.join(' | '));
      assert.match(warning, /^Ollama on the instance has nomic-embed-text:latest, which ollamaModels does not list \(pulled by hand\)/);
      assert.doesNotMatch(warning, /llama3\.2:3b/);
      const listed = await engine.plan(devConfig({ ollamaModels: ['llama3.2:3b', 'nomic-embed-text'] }));
      // (The recording's next answer is after a pull: it may name another model, never the two listed.)
      const again = listed.warnings.find((w) => /ollamaModels does not list/.test(w)) ?? '';
      assert.doesNotMatch(again, /nomic-embed-text|llama3\.2:3b/, 'a name without a tag is :latest');
    } finally {
      engine.dispose();
    }
  });
});
