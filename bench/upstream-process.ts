// The sandbox upstream in a process of its own, so its CPU time is not mixed with a proxy's.
// Prints {"pid", "url"} as one JSON line once listening. `node bench/upstream-process.ts [--port N]`
import { startSandboxUpstream } from '../adapters/sandbox/simulator.ts';
import { exitWith, hello, helperOptions } from './helper.ts';

const options = helperOptions(['port']);
const upstream = await startSandboxUpstream({ port: Number(options.port ?? 0) });
exitWith(() => upstream.close());
hello({ url: upstream.url });
