import assert from 'node:assert/strict';
import { testEngine } from '../harness/engine';

describe('the caller identity (sts:GetCallerIdentity against moto)', function () {
  it('names the account and identity the credentials act as', async function () {
    const engine = testEngine();
    try {
      const identity = await engine.callerIdentity('us-east-1');
      assert.match(identity.account, /^\d{12}$/);
      assert.match(identity.arn, /^arn:aws:(iam|sts)::\d{12}:/);
      assert.ok(identity.userId.length > 0);
    } finally {
      engine.dispose();
    }
  });

  it('fails with the credentials error and its fix when there are no credentials', async function () {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const engine = testEngine();
    try {
      await assert.rejects(engine.callerIdentity('us-east-1', 'no-such-profile-gm'), (error: { code?: string; nextStep?: string }) => {
        assert.match(error.code ?? '', /CREDENTIALS|PROFILE/);
        assert.ok((error.nextStep ?? '').length > 0);
        return true;
      });
    } finally {
      engine.dispose();
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });
});
