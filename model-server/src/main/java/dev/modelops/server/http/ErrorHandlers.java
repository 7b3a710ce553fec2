package dev.modelops.server.http;

import dev.modelops.bundle.RecordException;
import dev.modelops.server.ApiException;
import dev.modelops.server.limits.BodySizeLimit;
import dev.modelops.server.model.LoadedModel;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.exceptions.BufferLengthExceededException;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import java.util.Map;

/**
 * Turns every error a client can cause into a 4xx with a JSON body {@code {"error": ..., "field": ...}}
 * naming the field or row and the problem ({@link ApiException#response}). Bad input never yields a 5xx.
 */
@Controller
@Requires(classes = ApiException.class)
public class ErrorHandlers {
  private final BodySizeLimit limit;
  private final java.util.function.LongSupplier bufferLimit;

  public ErrorHandlers(BodySizeLimit limit, io.micronaut.http.server.HttpServerConfiguration server) {
    this.limit = limit;
    this.bufferLimit = server::getMaxRequestBufferSize;
  }

  @Error(global = true)
  public HttpResponse<Map<String, Object>> api(HttpRequest<?> request, ApiException e) {
    return e.response();
  }

  @Error(global = true)
  public HttpResponse<Map<String, Object>> record(HttpRequest<?> request, RecordException e) {
    return ApiException.response(HttpStatus.BAD_REQUEST, e.field(), e.getMessage());
  }

  @Error(global = true)
  public HttpResponse<Map<String, Object>> notReady(HttpRequest<?> request, LoadedModel.ModelNotReadyException e) {
    return ApiException.response(HttpStatus.SERVICE_UNAVAILABLE, null, "the model is not loaded: " + e.getMessage());
  }

  @Error(global = true)
  public HttpResponse<Map<String, Object>> tooLarge(HttpRequest<?> request, ContentLengthExceededException e) {
    return ApiException.response(HttpStatus.REQUEST_ENTITY_TOO_LARGE, null, "the request body is too large: " + e.getMessage());
  }

  /** A JSON body sent without a Content-Length (chunked) that grows past the limit while it is read. */
  @Error(global = true)
  public HttpResponse<Map<String, Object>> tooLargeWhileRead(HttpRequest<?> request, BufferLengthExceededException e) {
    return ApiException.response(HttpStatus.REQUEST_ENTITY_TOO_LARGE, null, limit.grewPast(bufferLimit.getAsLong()));
  }

  @Error(global = true, status = HttpStatus.NOT_FOUND)
  public HttpResponse<Map<String, Object>> notFound(HttpRequest<?> request) {
    return ApiException.response(HttpStatus.NOT_FOUND, null, "no such endpoint: " + request.getMethod() + " " + request.getPath());
  }

  @Error(global = true, status = HttpStatus.UNSUPPORTED_MEDIA_TYPE)
  public HttpResponse<Map<String, Object>> mediaType(HttpRequest<?> request) {
    return ApiException.response(HttpStatus.UNSUPPORTED_MEDIA_TYPE, null,
        "unsupported content type " + request.getContentType().map(MediaType::toString).orElse("(none)")
            + "; send application/json (or text/csv, application/x-ndjson to /v1/predict/batch)");
  }

  @Error(global = true, status = HttpStatus.METHOD_NOT_ALLOWED)
  public HttpResponse<Map<String, Object>> method(HttpRequest<?> request) {
    return ApiException.response(HttpStatus.METHOD_NOT_ALLOWED, null, request.getMethod() + " is not allowed on " + request.getPath());
  }

}
