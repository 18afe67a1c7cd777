// The file a pooled worker thread loads. It turns on Node's compile cache before anything heavy is
// imported (the lab's machinery, openai and zod load once per thread), then hands tasks on.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { default: runTask } = await import('./pool-task.ts');

export default runTask;
