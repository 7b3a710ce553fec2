package dev.modelops.operator.drift;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts policy notifications to webhooks in the background, retrying with exponential backoff
 * (1 s, 2 s, 4 s, ... up to {@code attempts}); a slow or failing receiver never blocks a reconcile.
 */
public final class Webhooks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);

  private final HttpClient http;
  private final int attempts;
  private final Duration firstDelay;
  private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "modelops-webhooks");
    t.setDaemon(true);
    return t;
  });

  public Webhooks(HttpClient http, int attempts, Duration firstDelay) {
    this.http = http;
    this.attempts = attempts;
    this.firstDelay = firstDelay;
  }

  /** Sends {@code json} to {@code url}; returns at once. */
  public void post(String url, String json) {
    attempt(url, json, 1);
  }

  private void attempt(String url, String json, int attempt) {
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
    } catch (IllegalArgumentException e) {
      LOG.warn("webhook {} is not a usable URL, not sent: {}", url, e.getMessage());
      return;
    }
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
      if (error == null && response.statusCode() / 100 == 2) {
        return;
      }
      String why = error != null ? String.valueOf(error.getMessage()) : "HTTP " + response.statusCode();
      if (attempt >= attempts) {
        LOG.warn("webhook {} failed {} times, giving up: {}", url, attempt, why);
        return;
      }
      long delay = firstDelay.toMillis() << (attempt - 1);
      LOG.info("webhook {} failed ({}), attempt {} of {} in {} ms", url, why, attempt + 1, attempts, delay);
      retries.schedule(() -> attempt(url, json, attempt + 1), delay, TimeUnit.MILLISECONDS);
    });
  }

  @Override
  public void close() {
    retries.shutdownNow();
  }
}
