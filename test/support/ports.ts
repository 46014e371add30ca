export { freePort } from '../../gateway/listeners/free-port.ts';
