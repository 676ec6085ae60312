import { AppError } from '@wfb/core/errors.js';
import { describe, expect, it } from 'vitest';
import { resolveTarget } from './authorized-fetch.js';

describe('resolveTarget', () => {
  it('joins paths and queries onto the base URL, keeping its own query', () => {
    expect(resolveTarget('https://api.example.com/v1/', '/items?x=1', { y: ['2', '3'] }).href).toBe(
      'https://api.example.com/v1/items?x=1&y=2&y=3',
    );
    expect(resolveTarget('https://api.example.com/v1?version=7', '/', {}).href).toBe(
      'https://api.example.com/v1/?version=7',
    );
    expect(resolveTarget('https://api.example.com', '/a/./b', {}).href).toBe('https://api.example.com/a/b');
  });

  it.each([
    ['relative path', 'items'],
    ['scheme-relative URL', '//evil.example/x'],
    ['absolute URL', 'https://evil.example/x'],
    ['dot segments', '/../admin'],
    ['encoded dot segments', '/%2e%2e/admin'],
    ['mixed encoding', '/.%2E/.%2e/admin'],
    ['backslash', '/\\evil.example'],
  ])('refuses a %s', (_name, path) => {
    expect(() => resolveTarget('https://api.example.com/v1', path, {})).toThrow(AppError);
  });

  it('allows dots that stay inside the base path', () => {
    expect(resolveTarget('https://api.example.com/v1', '/a/../b', {}).pathname).toBe('/v1/b');
  });
});
