import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `?limit=&cursor=` of every admin list; `limit` 1–200, default 50. */
export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export const DEFAULT_PAGE_SIZE = 50;

/** A list answer: the items and, when more may follow, the cursor of the next page. */
export function pageOf<T, R>(
  page: { items: T[]; nextCursor?: string },
  present: (item: T) => R,
): { items: R[]; nextCursor?: string } {
  return { items: page.items.map(present), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
