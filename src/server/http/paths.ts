export { TRPC_PATH } from '../../shared/paths.js';
