/**
 * What Poster's error codes mean, from its error table (`en/web/errors.md`); 30, 35 and 40 were only
 * seen live. A code not listed here is still a typed error carrying its number.
 */
export const posterErrorCodes: Readonly<Record<number, string>> = {
  10: 'access_token is not specified',
  11: 'invalid access_token',
  12: 'access_token expired',
  20: 'the application is not authorized to call this method',
  30: 'unknown API method (seen live)',
  32: 'the id does not exist',
  34: 'a required property is missing',
  35: 'undocumented (seen live)',
  36: 'the variable must be an array',
  38: 'the name already exists',
  40: 'undocumented (seen live)',
  42: 'the variable does not exist',
  44: 'error saving data',
  45: 'time is before the order opening time',
  52: 'the date range must be no more than 3 days',
  54: 'access denied',
  99: 'entity repetition',
  142: 'invalid verify',
  143: 'invalid application_id',
  153: 'you are not allowed to make changes',
  154: 'the name of the modifier must be unique',
  155: 'the direct value of the parameter',
  400: 'invalid request format, required data missing',
  404: 'record not found',
  700: 'rate restriction (a limit of the plan)',
  701: 'the field must be an integer',
  4001: 'invalid currency',
}
