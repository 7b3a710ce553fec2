package dev.modelops.server.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.concurrent.CompletableFuture;

/**
 * On a Production server in canary mode only: the answer of a request that fell in the
 * candidate's share is the candidate's (the controller put its pending answer in the request),
 * or this server's own when the candidate failed. Waits without holding a thread. Covers
 * {@code /v1/predict} and V2's unversioned infer; a streamed batch ({@code /v1/predict/batch})
 * is answered by Production.
 */
@ServerFilter({"/v1/predict", "/v2/models/*/infer"})
@Requires(property = "model.shadow.mode", value = "canary")
public class CanaryFilter {
  static final String ANSWER = "modelops.canary.answer";

  @ResponseFilter
  @SuppressWarnings("unchecked")
  public CompletableFuture<MutableHttpResponse<?>> answer(HttpRequest<?> request, MutableHttpResponse<?> response) {
    Object pending = request.getAttribute(ANSWER).orElse(null);
    if (!(pending instanceof CompletableFuture<?> future) || response.code() != 200) {
      return CompletableFuture.completedFuture(response);
    }
    return ((CompletableFuture<byte[]>) future).thenApply(candidate -> {
      if (candidate != null) {
        ((MutableHttpResponse<Object>) response).body(candidate).contentType(MediaType.APPLICATION_JSON_TYPE);
      }
      return response;
    });
  }
}
