import { EventBus, type BatchStartedEvent, type DomainEvent } from '@batchactions/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

const started: BatchStartedEvent = {
  type: 'batch:started',
  jobId: 'job-1',
  timestamp: 1,
  batchId: 'b0',
  batchIndex: 0,
  recordCount: 10,
};
const processed: DomainEvent = {
  type: 'record:processed',
  jobId: 'job-1',
  timestamp: 2,
  batchId: 'b0',
  recordIndex: 0,
};

describe('EventBus', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('delivers an event to the handlers of its type only', () => {
    const bus = new EventBus();
    const onStarted = vi.fn();
    const onFailed = vi.fn();
    bus.on('batch:started', onStarted);
    bus.on('batch:failed', onFailed);
    bus.emit(started);
    expect(onStarted).toHaveBeenCalledExactlyOnceWith(started);
    expect(onFailed).not.toHaveBeenCalled();
  });

  it('stops delivering after off()', () => {
    const bus = new EventBus();
    const handler = vi.fn();
    bus.on('batch:started', handler);
    bus.off('batch:started', handler);
    bus.emit(started);
    expect(handler).not.toHaveBeenCalled();
  });

  it('delivers every event to onAny handlers until offAny()', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const handler = (event: DomainEvent) => seen.push(event.type);
    bus.onAny(handler);
    bus.emit(started);
    bus.emit(processed);
    bus.offAny(handler);
    bus.emit(started);
    expect(seen).toEqual(['batch:started', 'record:processed']);
  });

  it('keeps calling the other handlers when one throws, and reports the error', () => {
    const reported: [unknown, DomainEvent][] = [];
    const bus = new EventBus({ onHandlerError: (error, event) => reported.push([error, event]) });
    const boom = new Error('handler bug');
    const after = vi.fn();
    const any = vi.fn();
    bus.on('batch:started', () => {
      throw boom;
    });
    bus.on('batch:started', after);
    bus.onAny(any);
    expect(() => {
      bus.emit(started);
    }).not.toThrow();
    expect(after).toHaveBeenCalledOnce();
    expect(any).toHaveBeenCalledOnce();
    expect(reported).toEqual([[boom, started]]);
  });

  it('reports to console.error by default, and to a reporter set later', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bus = new EventBus();
    bus.onAny(() => {
      throw new Error('oops');
    });
    bus.emit(processed);
    expect(consoleError).toHaveBeenCalledOnce();
    expect(String(consoleError.mock.calls[0]?.[0])).toContain('record:processed');

    const reporter = vi.fn();
    bus.setHandlerErrorReporter(reporter);
    bus.emit(processed);
    expect(reporter).toHaveBeenCalledOnce();
    expect(consoleError).toHaveBeenCalledOnce();
  });

  it('tells whether anyone listens to a type', () => {
    const bus = new EventBus();
    const handler = vi.fn();
    expect(bus.hasListeners('batch:started')).toBe(false);
    bus.on('batch:started', handler);
    expect(bus.hasListeners('batch:started')).toBe(true);
    expect(bus.hasListeners('record:failed')).toBe(false);
    bus.off('batch:started', handler);
    expect(bus.hasListeners('batch:started')).toBe(false);
    bus.onAny(handler);
    expect(bus.hasListeners('record:failed')).toBe(true);
  });
});
