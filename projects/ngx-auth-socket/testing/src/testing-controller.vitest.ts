import { vi } from 'vitest';
import { describeTestingKit } from './testing-controller.behaviour';

// The kit's specs under Vitest (the Angular CLI's default runner, jsdom), with vi.useFakeTimers()
// installed and never advanced: a kit that waited on any timer would hang there.
describeTestingKit({
  name: 'vi.useFakeTimers() installed',
  install: () => vi.useFakeTimers(),
  uninstall: () => vi.useRealTimers(),
});
