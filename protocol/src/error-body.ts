/** Every HTTP error of every Fedswarm service has this body. */
export interface ErrorBody {
  error: string
  message: string
}
