package dev.modelops.server.http;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import jakarta.inject.Singleton;

/**
 * Whether this server is draining: its Pod is stopping (the preStop hook called
 * {@code GET /v1/lifecycle/drain}) and its endpoints are being removed from the Services. While
 * draining, readiness answers 503 and every response says {@code Connection: close}, so each client
 * that still holds a keep-alive connection to this Pod closes it after the answer it is waiting
 * for and opens its next one through the Service, to a Pod that stays; no request is sent on a
 * connection the server is about to close.
 */
@Singleton
public class Drain {
  private volatile boolean draining;

  public boolean draining() {
    return draining;
  }

  void start() {
    draining = true;
  }

  /** Adds {@code Connection: close} to every response while draining. */
  @ServerFilter("/**")
  public static class CloseConnections {
    private final Drain drain;

    public CloseConnections(Drain drain) {
      this.drain = drain;
    }

    @ResponseFilter
    public void close(HttpRequest<?> request, MutableHttpResponse<?> response) {
      if (drain.draining()) {
        response.header(HttpHeaders.CONNECTION, "close");
      }
    }
  }
}
