import '@dl/backend-cpu';
import { runGradientSuite } from './testing/index.js';

runGradientSuite({ device: 'cpu' });
