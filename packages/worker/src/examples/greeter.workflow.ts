import type { GreeterInput } from './greeter.contract.js';

export async function greeterWorkflow(input: GreeterInput): Promise<string> {
  const name = input.name.trim() || 'stranger';
  return `Hello, ${name}!`;
}
