export async function later(): Promise<number> {
  return Promise.resolve(1);
}
export function fire(): void {
  later();
}
export const loose: any = 1;
