// In the suites a response body is whatever the API under test sent: let it be `any`.
declare global {
  interface Response {
    json(): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
}
export {};
