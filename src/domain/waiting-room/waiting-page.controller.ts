import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { WAITING_PAGE_HTML, WAITING_PAGE_SCRIPT } from './waiting-page';

/** The buyer-facing waiting page (a page and its script; not part of the JSON API document). */
@ApiExcludeController()
@Controller('waiting-room')
export class WaitingPageController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return WAITING_PAGE_HTML;
  }

  @Get('page.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return WAITING_PAGE_SCRIPT;
  }
}
