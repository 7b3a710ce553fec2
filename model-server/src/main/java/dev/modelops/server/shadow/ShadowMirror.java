package dev.modelops.server.shadow;

import dev.modelops.server.ModelSettings;
import dev.modelops.server.Prediction;
import dev.modelops.server.model.LoadedModel;
import dev.modelops.server.scoring.RequestIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors a share of Production's prediction requests to a shadow candidate ({@link ShadowSettings})
 * once Production's answer is computed, and compares the candidate's answers with it
 * ({@link ShadowComparison}). The caller never waits for the candidate and never sees its
 * failures: the request is sent asynchronously, at most {@code model.shadow.max-in-flight} at
 * once (past that a mirror is dropped, not queued), and every outcome is only counted, as
 * {@code model_shadow_requests_total{model,outcome}} with outcome ok, dropped, error or timeout;
 * {@code model_shadow_latency_seconds{model}} is the histogram of the candidate's answer times.
 * The mirrored request carries Production's first prediction id ({@link RequestIds#HEADER}), so
 * a candidate with {@code model.shadow.accept-ids} answers under the same ids.
 */
@Context
public class ShadowMirror {
  private static final Logger LOG = LoggerFactory.getLogger(ShadowMirror.class);

  enum Outcome { OK, DROPPED, ERROR, TIMEOUT }

  private final ShadowSettings settings;
  private final URI candidate;
  private final Semaphore inFlight;
  private final ExecutorService executor;
  private final HttpClient http;
  private final ShadowComparison comparison;
  private final Counter[] outcomes = new Counter[Outcome.values().length];
  private final Timer latency;
  private final AtomicLong lastWarning = new AtomicLong();

  public ShadowMirror(ShadowSettings settings, LoadedModel model, ModelSettings modelSettings, MeterRegistry registry) {
    this.settings = settings;
    if (!settings.mirrors()) {
      candidate = null;
      inFlight = null;
      executor = null;
      http = null;
      comparison = null;
      latency = null;
      return;
    }
    candidate = settings.candidate();
    inFlight = new Semaphore(settings.maxInFlight());
    // The client's own work (answers, comparison) on two threads of its own, never a request thread.
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "shadow-mirror");
      t.setDaemon(true);
      return t;
    });
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
        .connectTimeout(settings.timeout()).build();
    comparison = new ShadowComparison(model.name(), modelSettings.feedbackCapacity(), registry);
    for (Outcome o : Outcome.values()) {
      outcomes[o.ordinal()] = Counter.builder("model_shadow_requests").description("Requests mirrored to the shadow candidate, by outcome")
          .tag("model", model.name()).tag("outcome", o.name().toLowerCase(Locale.ROOT)).register(registry);
    }
    latency = Timer.builder("model_shadow_latency").description("Time the shadow candidate took to answer a mirrored request")
        .tag("model", model.name()).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(settings.timeout()).register(registry);
    LOG.info("mirroring {}% of prediction requests to the shadow candidate {} (at most {} at once, timeout {})",
        settings.share() * 100, candidate, settings.maxInFlight(), settings.timeout());
  }

  /**
   * Mirrors a prediction request Production has answered, if it falls in the share: the same
   * body to the same {@code path} on the candidate, whose answer {@code decode} reads back into
   * predictions in row order. Returns at once.
   */
  public void mirror(String path, String contentType, byte[] body, Prediction[] production, Function<byte[], Prediction[]> decode) {
    if (candidate == null || production.length == 0 || ThreadLocalRandom.current().nextDouble() >= settings.share()) {
      return;
    }
    if (!inFlight.tryAcquire()) {
      outcomes[Outcome.DROPPED.ordinal()].increment();
      return;
    }
    long start = System.nanoTime();
    try {
      HttpRequest request = HttpRequest.newBuilder(candidate.resolve(path.startsWith("/") ? path.substring(1) : path)).timeout(settings.timeout())
          .header("Content-Type", contentType).header(RequestIds.HEADER, production[0].id())
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
      http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((answer, failure) -> {
        try {
          settle(path, production, decode, answer, failure, System.nanoTime() - start);
        } finally {
          inFlight.release();
        }
      });
    } catch (RuntimeException e) {
      inFlight.release();
      failed(Outcome.ERROR, path, e.toString());
    }
  }

  /** Joins a true label to a compared row, if {@code id} is one. */
  public void label(String id, int label) {
    if (comparison != null) {
      comparison.label(id, label);
    }
  }

  private void settle(String path, Prediction[] production, Function<byte[], Prediction[]> decode, HttpResponse<byte[]> answer, Throwable failure,
      long nanos) {
    if (failure != null) {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      failed(cause instanceof HttpTimeoutException ? Outcome.TIMEOUT : Outcome.ERROR, path, cause.toString());
      return;
    }
    latency.record(nanos, TimeUnit.NANOSECONDS);
    if (answer.statusCode() / 100 != 2) {
      failed(Outcome.ERROR, path, "HTTP " + answer.statusCode());
      return;
    }
    Prediction[] candidateAnswers;
    try {
      candidateAnswers = decode.apply(answer.body());
    } catch (RuntimeException e) {
      failed(Outcome.ERROR, path, "an answer that could not be read: " + e.getMessage());
      return;
    }
    if (candidateAnswers.length != production.length) {
      failed(Outcome.ERROR, path, candidateAnswers.length + " answers to " + production.length + " rows");
      return;
    }
    comparison.compare(production, candidateAnswers);
    outcomes[Outcome.OK.ordinal()].increment();
  }

  /** Counts a failed mirror; says so in the log at most once a minute, since a candidate that is down fails every one. */
  private void failed(Outcome outcome, String path, String why) {
    outcomes[outcome.ordinal()].increment();
    long now = System.currentTimeMillis();
    long last = lastWarning.get();
    if (now - last > 60_000 && lastWarning.compareAndSet(last, now)) {
      LOG.warn("shadow candidate {}: {} of POST {}: {} (counted in model_shadow_requests_total; the caller is not affected)",
          candidate, outcome.name().toLowerCase(Locale.ROOT), path, why);
    }
  }

  @PreDestroy
  void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
