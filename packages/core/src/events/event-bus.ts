import type { DomainEvent, DomainEventMap, EventType } from './domain-events';

export type EventHandler<T extends EventType> = (event: DomainEventMap[T]) => void;
export type AnyEventHandler = (event: DomainEvent) => void;

/** Called when a handler throws; the default writes to `console.error`. */
export type HandlerErrorReporter = (error: unknown, event: DomainEvent) => void;

const defaultReporter: HandlerErrorReporter = (error, event) => {
  console.error(`[batchactions] a handler of "${event.type}" threw:`, error);
};

/**
 * Synchronous, typed event bus. A handler that throws does not stop the others nor the pipeline;
 * its error goes to the reporter (never silently dropped).
 */
export class EventBus {
  private readonly handlers = new Map<EventType, Set<(event: DomainEvent) => void>>();
  private readonly anyHandlers = new Set<AnyEventHandler>();
  private reporter: HandlerErrorReporter;

  constructor(options: { onHandlerError?: HandlerErrorReporter } = {}) {
    this.reporter = options.onHandlerError ?? defaultReporter;
  }

  /** Replaces the function that receives errors thrown by handlers. */
  setHandlerErrorReporter(reporter: HandlerErrorReporter): void {
    this.reporter = reporter;
  }

  on<T extends EventType>(type: T, handler: EventHandler<T>): void {
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    set.add(handler as (event: DomainEvent) => void);
  }

  off<T extends EventType>(type: T, handler: EventHandler<T>): void {
    this.handlers.get(type)?.delete(handler as (event: DomainEvent) => void);
  }

  onAny(handler: AnyEventHandler): void {
    this.anyHandlers.add(handler);
  }

  offAny(handler: AnyEventHandler): void {
    this.anyHandlers.delete(handler);
  }

  /** True when someone listens to `type` (lets hot paths skip building events nobody reads). */
  hasListeners(type: EventType): boolean {
    return this.anyHandlers.size > 0 || (this.handlers.get(type)?.size ?? 0) > 0;
  }

  emit(event: DomainEvent): void {
    const typed = this.handlers.get(event.type);
    if (typed) for (const handler of typed) this.call(handler, event);
    for (const handler of this.anyHandlers) this.call(handler, event);
  }

  private call(handler: (event: DomainEvent) => void, event: DomainEvent): void {
    try {
      handler(event);
    } catch (error) {
      this.reporter(error, event);
    }
  }
}
