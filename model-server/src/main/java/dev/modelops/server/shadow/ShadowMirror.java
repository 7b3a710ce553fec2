package dev.modelops.server.shadow;

import dev.modelops.server.ModelSettings;
import dev.modelops.server.Prediction;
import dev.modelops.server.model.LoadedModel;
import dev.modelops.server.scoring.RequestIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Context;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.DefaultHttpClientConfiguration;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.HttpClientConfiguration.ConnectionPoolConfiguration.ConnectionLocality;
import io.micronaut.http.client.HttpClientRegistry;
import io.micronaut.http.client.LoadBalancer;
import io.micronaut.http.client.exceptions.ReadTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors a share of Production's prediction requests to a shadow candidate ({@link ShadowSettings})
 * once Production's answer is computed, and compares the candidate's answers with it
 * ({@link ShadowComparison}). The caller never waits for the candidate and never sees its
 * failures: the request is sent asynchronously on the server's own event loops (no thread
 * hand-off), at most {@code model.shadow.max-in-flight} at once with {@code model.shadow.queue}
 * more waiting for a connection (past that a mirror is dropped), and every outcome is only
 * counted, as {@code model_shadow_requests_total{model,outcome}} with outcome ok, dropped, error
 * or timeout; {@code model_shadow_latency_seconds{model}} is the histogram of the candidate's
 * answer times. The mirrored request carries Production's first prediction id
 * ({@link RequestIds#HEADER}), so a candidate with {@code model.shadow.accept-ids} answers under
 * the same ids.
 */
@Context
public class ShadowMirror {
  private static final Logger LOG = LoggerFactory.getLogger(ShadowMirror.class);

  enum Outcome { OK, DROPPED, ERROR, TIMEOUT }

  private final ShadowSettings settings;
  private final URI candidate;
  private final Semaphore room;
  private final HttpClient http;
  private final ShadowComparison comparison;
  private final Counter[] outcomes = new Counter[Outcome.values().length];
  private final Timer latency;
  private final AtomicLong lastWarning = new AtomicLong();

  public ShadowMirror(ShadowSettings settings, LoadedModel model, ModelSettings modelSettings, MeterRegistry registry,
      HttpClientRegistry<HttpClient> clients, BeanContext context) {
    this.settings = settings;
    if (!settings.mirrors()) {
      candidate = null;
      room = null;
      http = null;
      comparison = null;
      latency = null;
      return;
    }
    candidate = settings.candidate();
    room = new Semaphore(settings.maxInFlight() + settings.queue());
    DefaultHttpClientConfiguration configuration = new DefaultHttpClientConfiguration();
    configuration.setConnectTimeout(settings.timeout());
    configuration.setReadTimeout(settings.timeout());
    configuration.setExceptionOnErrorStatus(false);
    configuration.setFollowRedirects(false);
    // Connections on the event loop that answered the request, so that a mirror is written
    // and its answer read without waking another thread.
    configuration.getConnectionPoolConfiguration().setMaxConcurrentHttp1Connections(settings.maxInFlight());
    configuration.getConnectionPoolConfiguration().setMaxPendingAcquires(settings.queue() + 1);
    configuration.getConnectionPoolConfiguration().setConnectionLocality(ConnectionLocality.PREFERRED);
    http = clients.resolveClient(null, LoadBalancer.fixed(candidate), configuration, context);
    comparison = new ShadowComparison(model.name(), modelSettings.feedbackCapacity(), registry);
    for (Outcome o : Outcome.values()) {
      outcomes[o.ordinal()] = Counter.builder("model_shadow_requests").description("Requests mirrored to the shadow candidate, by outcome")
          .tag("model", model.name()).tag("outcome", o.name().toLowerCase(Locale.ROOT)).register(registry);
    }
    latency = Timer.builder("model_shadow_latency").description("Time the shadow candidate took to answer a mirrored request")
        .tag("model", model.name()).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(settings.timeout()).register(registry);
    LOG.info("mirroring {}% of prediction requests to the shadow candidate {} (at most {} at once and {} waiting, timeout {})",
        settings.share() * 100, candidate, settings.maxInFlight(), settings.queue(), settings.timeout());
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
    if (!room.tryAcquire()) {
      outcomes[Outcome.DROPPED.ordinal()].increment();
      return;
    }
    long start = System.nanoTime();
    try {
      HttpRequest<byte[]> request = HttpRequest.POST(candidate.resolve(path.startsWith("/") ? path.substring(1) : path), body)
          .contentType(contentType).header(RequestIds.HEADER, production[0].id());
      http.exchange(request, byte[].class).subscribe(new Subscriber<HttpResponse<byte[]>>() {
        private HttpResponse<byte[]> answer;

        @Override
        public void onSubscribe(Subscription s) {
          s.request(1);
        }

        @Override
        public void onNext(HttpResponse<byte[]> r) {
          answer = r;
        }

        @Override
        public void onError(Throwable t) {
          room.release();
          failed(t instanceof ReadTimeoutException ? Outcome.TIMEOUT : Outcome.ERROR, path, t.toString());
        }

        @Override
        public void onComplete() {
          room.release();
          settle(path, production, decode, answer, System.nanoTime() - start);
        }
      });
    } catch (RuntimeException e) {
      room.release();
      failed(Outcome.ERROR, path, e.toString());
    }
  }

  /** Joins a true label to a compared row, if {@code id} is one. */
  public void label(String id, int label) {
    if (comparison != null) {
      comparison.label(id, label);
    }
  }

  private void settle(String path, Prediction[] production, Function<byte[], Prediction[]> decode, HttpResponse<byte[]> answer, long nanos) {
    latency.record(nanos, TimeUnit.NANOSECONDS);
    if (answer == null || answer.code() / 100 != 2) {
      failed(Outcome.ERROR, path, answer == null ? "no answer" : "HTTP " + answer.code());
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
}
