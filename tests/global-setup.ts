/** Placeholder global setup; database suites add their server here. */
export default function setup(): void {
  // nothing yet
}
