import type { SummaryEvent } from '../../../protocol/events';
import type { RunOptions } from './index';

export async function runEngineImpl(_o: RunOptions): Promise<SummaryEvent> {
  throw new Error('engine: not implemented yet');
}
