// The thread the scripted model server runs in (started by ScriptedModelServer.start). The lab's
// thread talks to it over two ports: `control` (runs opened and ended, listeners, close) and
// `reports` (lab faults and request events). A request first takes in every control message
// already sent, so a run opened before its client's first request is always known to it.
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { ScriptedReply } from '../contracts/scenario.ts';
import { expandedReplies, ScriptedHttp } from './scripted-http.ts';
import type { ControlMessage, ReportMessage, ThreadData } from './scripted-server.ts';

const { control, reports, port } = workerData as ThreadData & { control: MessagePort; reports: MessagePort };
const scripts = new Map<number, { replies: ScriptedReply[]; turns: ScriptedReply[][] | null }>();
let listening = false;
let http: ScriptedHttp | undefined;

const report = (message: ReportMessage) => reports.postMessage(message);

function handle(message: ControlMessage): void {
  switch (message.type) {
    case 'open': {
      if (message.replies)
        scripts.set(message.key, {
          replies: expandedReplies(message.replies),
          turns: message.turns?.map(expandedReplies) ?? null,
        });
      const script = scripts.get(message.key);
      http?.open(message.runId, {
        scenarioId: message.scenarioId,
        closeConnections: message.closeConnections,
        replies: script?.replies ?? [],
        turns: script?.turns ?? null,
      });
      break;
    }
    case 'forget':
      scripts.delete(message.key);
      break;
    case 'end':
      http?.end(message.runId);
      break;
    case 'listen':
      listening = message.on;
      break;
    case 'close':
      void http?.close().then(() => {
        report({ type: 'closed' });
        control.close();
        reports.close();
      });
      break;
  }
}

function catchUp(): void {
  for (let m = receiveMessageOnPort(control); m; m = receiveMessageOnPort(control)) handle(m.message as ControlMessage);
}

try {
  http = await ScriptedHttp.listen(port, {
    catchUp,
    fault: (runId, text) => report({ type: 'fault', runId, text }),
    request: (event, entry) => {
      if (listening) report({ type: event, entry });
    },
  });
  control.on('message', handle);
  report({ type: 'listening', url: http.url });
} catch (error) {
  report({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
