from enum import StrEnum


class SpreadsheetPerm(StrEnum):
    IMPORT = "spreadsheets.import"  # import members and organizations from spreadsheets
    VIEW = "spreadsheets.view"  # see import jobs and their reports
