import { LlamaSwapConnector } from './kinds/llama-swap';
import { OpenAiEndpointConnector } from './kinds/openai-endpoint';
import type { Connector, ConnectorDeps } from './types';

export * from './types';

/** One adapter per remote kind. */
export function createConnector(deps: ConnectorDeps): Connector {
  switch (deps.target.kind) {
    case 'llama-swap':
      return new LlamaSwapConnector(deps);
    case 'openai':
      return new OpenAiEndpointConnector(deps);
  }
}
