/** Errors in GitHub's REST shape: `{message, documentation_url, status, errors?}`. */

export interface ValidationError {
  resource: string;
  code: string;
  field?: string;
  message?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Array<ValidationError | string>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }

  toJSON(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      documentation_url: "https://docs.github.com/rest",
      status: String(this.status),
    };
  }
}

export const notFound = (): HttpError => new HttpError(404, "Not Found");

/** 422 "Validation Failed" with one error entry. */
export function validationFailed(error: ValidationError): HttpError {
  return new HttpError(422, "Validation Failed", [error]);
}
