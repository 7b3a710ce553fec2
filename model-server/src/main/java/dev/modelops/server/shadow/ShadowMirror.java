package dev.modelops.server.shadow;

import dev.modelops.server.ModelSettings;
import dev.modelops.bundle.ModelKind;
import dev.modelops.server.Prediction;
import dev.modelops.server.codec.AnswerFields;
import dev.modelops.server.codec.JsonRecords;
import dev.modelops.server.model.LoadedModel;
import dev.modelops.server.scoring.RequestIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Context;
import java.net.URI;
import java.time.Duration;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
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
 * failures: a mirror is put in a bounded queue ({@code model.shadow.queue}; past it a mirror is
 * dropped, counted) and one sender thread sends them, at most {@code model.shadow.max-in-flight}
 * calls at once. Single-record {@code /v1/predict} requests, the common online call, are coalesced:
 * the sender joins up to {@code model.shadow.max-batch} of them, waiting at most
 * {@code model.shadow.linger} for the first to have company, into one array call to the candidate,
 * so that a mirrored request costs Production a few microseconds rather than an HTTP call of its
 * own. Every outcome is only counted, per mirrored request, as
 * {@code model_shadow_requests_total{model,outcome}} with outcome ok, dropped, error or timeout;
 * {@code model_shadow_latency_seconds{model}} is the histogram of the candidate's answer times per
 * call, past the first {@value #UNTIMED_CALLS} (its warm-up). The mirrored call carries Production's prediction ids ({@link RequestIds#HEADER}), so a
 * candidate with {@code model.shadow.accept-ids} answers under the same ids.
 */
@Context
public class ShadowMirror {
  private static final Logger LOG = LoggerFactory.getLogger(ShadowMirror.class);

  enum Outcome { OK, DROPPED, ERROR, TIMEOUT }

  /**
   * The first calls that reach the candidate are not timed: they find its JVM cold (classes
   * loading, code interpreted), so over the few dozen calls of a short step they would be its
   * 99th percentile while saying nothing of how it answers once warm. They are still compared.
   */
  static final long UNTIMED_CALLS = 20;
  private final AtomicLong answeredCalls = new AtomicLong();

  /** The largest body of a coalesced call: records past it go in the next call. */
  static final int MAX_CALL_BYTES = 1 << 20;

  /** A request Production answered, waiting to be mirrored; {@code record}: a single JSON record of /v1/predict, which may join others in one call. */
  private record Mirror(String path, String contentType, byte[] body, Prediction[] production, Function<byte[], Prediction[]> decode, boolean record) {}

  private final ShadowSettings settings;
  private final URI candidate;
  /** Canary mode: calls in flight or waiting for a connection. */
  private final Semaphore room;
  /**
   * Shadow mode: mirrors waiting for the sender (lock-free for the event loops that add them,
   * bounded by {@code waiting}; the sender parks while it is empty), and the sender's calls in flight.
   */
  private final ConcurrentLinkedQueue<Mirror> queued;
  private final AtomicInteger waiting = new AtomicInteger();
  private volatile boolean senderParked;
  private final Semaphore calls;
  private final Thread sender;
  private final java.net.http.HttpClient http;
  private final ExecutorService client;
  private final java.util.Map<String, URI> uris = new java.util.concurrent.ConcurrentHashMap<>();
  private final ShadowComparison comparison;
  private final Counter[] outcomes = new Counter[Outcome.values().length];
  private final Timer latency;
  private final AtomicLong lastWarning = new AtomicLong();
  /** The upper bounds (seconds) of the candidate's answer-time buckets that {@code GET /v1/shadow} reports. */
  static final double[] LATENCY_BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  private final java.util.concurrent.atomic.AtomicLongArray latencyCounts = new java.util.concurrent.atomic.AtomicLongArray(LATENCY_BOUNDS.length + 1);

  public ShadowMirror(ShadowSettings settings, LoadedModel model, ModelSettings modelSettings, MeterRegistry registry) {
    this.settings = settings;
    if (!settings.mirrors()) {
      candidate = null;
      room = null;
      queued = null;
      calls = null;
      sender = null;
      client = null;
      http = null;
      comparison = null;
      latency = null;
      return;
    }
    candidate = settings.candidate();
    room = new Semaphore(settings.maxInFlight() + settings.queue());
    queued = new ConcurrentLinkedQueue<>();
    calls = new Semaphore(settings.maxInFlight());
    // The JDK's client, on its own small pool, not the Netty one the server answers with: a Netty
    // client in the same process makes the server's own hot Netty paths see the client's handler
    // and buffer types too, which costs every request a few microseconds, mirrored or not.
    client = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "shadow-client");
      t.setDaemon(true);
      return t;
    });
    http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(settings.timeout())
        .followRedirects(java.net.http.HttpClient.Redirect.NEVER).executor(client).build();
    comparison = model.ready()
        ? new ShadowComparison(model.name(), model.kind(), Math.max(2, model.classes().size()), modelSettings.feedbackCapacity(), registry)
        : new ShadowComparison(model.name(), ModelKind.BINARY, 2, modelSettings.feedbackCapacity(), registry);
    for (Outcome o : Outcome.values()) {
      outcomes[o.ordinal()] = Counter.builder("model_shadow_requests").description("Requests mirrored to the shadow candidate, by outcome")
          .tag("model", model.name()).tag("outcome", o.name().toLowerCase(Locale.ROOT)).register(registry);
    }
    latency = Timer.builder("model_shadow_latency").description("Time the shadow candidate took to answer a mirrored request")
        .tag("model", model.name()).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(settings.timeout()).register(registry);
    if (settings.canary()) {
      sender = null;
    } else {
      sender = new Thread(this::sendQueued, "shadow-sender");
      sender.setDaemon(true);
      sender.start();
    }
    LOG.info("{} {}% of prediction requests to the candidate {} (at most {} calls at once, {} waiting, up to {} records a call, linger {}, timeout {})",
        settings.canary() ? "answering" : "mirroring", settings.share() * 100, candidate, settings.maxInFlight(), settings.queue(),
        settings.maxBatch(), settings.linger(), settings.timeout());
  }

  @PreDestroy
  void close() {
    if (sender != null) {
      sender.interrupt();
    }
    if (client != null) {
      client.shutdownNow();
    }
  }

  /**
   * Mirrors a prediction request Production has answered, if it falls in the share: the same
   * body to the same {@code path} on the candidate, whose answer {@code decode} reads back into
   * predictions in row order. Returns at once.
   */
  public void mirror(String path, String contentType, byte[] body, Prediction[] production, Function<byte[], Prediction[]> decode) {
    if (mirrors(production)) {
      enqueue(new Mirror(path, contentType, body, production, decode, false));
    }
  }

  /**
   * Mirrors a /v1/predict request of one JSON record (its {@code body}) Production has answered,
   * if it falls in the share; the sender may join it with others into one array call.
   */
  public void mirrorRecord(String path, byte[] body, Prediction[] production, AnswerFields fields) {
    if (mirrors(production)) {
      enqueue(new Mirror(path, "application/json", body, production, b -> JsonRecords.readAnswer(b, fields), production.length == 1));
    }
  }

  /** Whether this request is mirrored: shadow mode, and it falls in the share. */
  private boolean mirrors(Prediction[] production) {
    return candidate != null && !settings.canary() && production.length > 0 && ThreadLocalRandom.current().nextDouble() < settings.share();
  }

  /** Whether this server answers a share of its requests with the candidate's answers ({@link #canary}). */
  public boolean canaryMode() {
    return candidate != null && settings.canary();
  }

  private void enqueue(Mirror m) {
    if (waiting.incrementAndGet() > settings.queue()) {
      waiting.decrementAndGet();
      outcomes[Outcome.DROPPED.ordinal()].increment();
      return;
    }
    queued.offer(m);
    if (senderParked) {
      LockSupport.unpark(sender);
    }
  }

  /**
   * The sender: takes the waiting mirrors (after the linger, unless a whole batch waits already),
   * sends the single records among them as one array call and the others as they came.
   */
  private void sendQueued() {
    int max = settings.maxBatch();
    long linger = settings.linger().toNanos();
    List<Mirror> taken = new ArrayList<>(max);
    List<Mirror> records = new ArrayList<>(max);
    try {
      while (!Thread.currentThread().isInterrupted()) {
        Mirror first = queued.poll();
        if (first == null) {
          senderParked = true;
          if (queued.isEmpty()) {
            LockSupport.park(this);
          }
          senderParked = false;
          continue;
        }
        taken.add(first);
        if (linger > 0 && waiting.get() < max) {
          LockSupport.parkNanos(linger);
        }
        for (Mirror m; taken.size() < max && (m = queued.poll()) != null; ) {
          taken.add(m);
        }
        waiting.addAndGet(-taken.size());
        try {
          send(taken, records, max);
        } catch (RuntimeException e) {
          // Not expected (a send counts its own failures); one batch's fault must not end mirroring.
          failed(Outcome.ERROR, Math.max(1, records.size()), "(joined call)", e.toString());
        }
        taken.clear();
        records.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends the taken mirrors: the single records among them joined ({@code records} collects them), the others as they came. */
  private void send(List<Mirror> taken, List<Mirror> records, int max) throws InterruptedException {
    int bytes = 0;
    for (Mirror m : taken) {
      if (m.record() && max > 1) {
        if (!records.isEmpty() && bytes + m.body().length > MAX_CALL_BYTES) {
          sendJoined(records);
          records.clear();
          bytes = 0;
        }
        records.add(m);
        bytes += m.body().length + 1;
      } else {
        calls.acquire();
        send(m.path(), m.contentType(), m.body(), m.production(), m.decode(), null, 1, calls);
      }
    }
    if (!records.isEmpty()) {
      sendJoined(records);
    }
  }

  /** Sends records joined once a call may start; a fault before the call is sent gives its room back. */
  private void sendJoined(List<Mirror> records) throws InterruptedException {
    calls.acquire();
    try {
      sendRecords(records);
    } catch (RuntimeException e) {
      calls.release(); // send() gives it back itself, and never throws
      throw e;
    }
  }

  /** One array call of single-record mirrors, under each row's id; compared as one call of all their rows. */
  private void sendRecords(List<Mirror> records) {
    if (records.size() == 1) {
      Mirror m = records.get(0);
      send(m.path(), m.contentType(), m.body(), m.production(), m.decode(), null, 1, calls);
      return;
    }
    int length = records.size() + 1;
    for (Mirror m : records) {
      length += m.body().length;
    }
    byte[] body = new byte[length];
    Prediction[] production = new Prediction[records.size()];
    String[] ids = new String[records.size()];
    int at = 0;
    for (int i = 0; i < records.size(); i++) {
      byte[] b = records.get(i).body();
      body[at++] = (byte) (i == 0 ? '[' : ',');
      System.arraycopy(b, 0, body, at, b.length);
      at += b.length;
      production[i] = records.get(i).production()[0];
      ids[i] = production[i].id();
    }
    body[at] = ']';
    Mirror first = records.get(0);
    send(first.path(), first.contentType(), body, production, first.decode(), null, records.size(), calls, RequestIds.header(ids));
  }

  /**
   * In canary mode, for a request that falls in the share: sends it to the candidate and returns
   * the candidate's answer (its body, compared with Production's first), or null when the
   * candidate failed or timed out (counted): the caller then gets Production's answer. Returns
   * null at once for a request that is not the candidate's (and in shadow mode).
   */
  public java.util.concurrent.CompletableFuture<byte[]> canary(String path, String contentType, byte[] body, Prediction[] production,
      Function<byte[], Prediction[]> decode) {
    if (candidate == null || !settings.canary() || production.length == 0 || ThreadLocalRandom.current().nextDouble() >= settings.share()) {
      return null;
    }
    java.util.concurrent.CompletableFuture<byte[]> answer = new java.util.concurrent.CompletableFuture<>();
    if (!room.tryAcquire()) {
      outcomes[Outcome.DROPPED.ordinal()].increment();
      answer.complete(null);
      return answer;
    }
    send(path, contentType, body, production, decode, answer, 1, room);
    return answer;
  }

  private void send(String path, String contentType, byte[] body, Prediction[] production, Function<byte[], Prediction[]> decode,
      java.util.concurrent.CompletableFuture<byte[]> answer, int mirrored, Semaphore room) {
    send(path, contentType, body, production, decode, answer, mirrored, room, production[0].id());
  }

  /**
   * Sends a call of {@code mirrored} mirrored requests to the candidate, under the ids {@code ids}
   * names, releasing a {@code room} permit when it is over; its compared answer completes
   * {@code answer} (null: failed), when given.
   */
  private void send(String path, String contentType, byte[] body, Prediction[] production, Function<byte[], Prediction[]> decode,
      java.util.concurrent.CompletableFuture<byte[]> answer, int mirrored, Semaphore room, String ids) {
    long start = System.nanoTime();
    try {
      java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(uris.computeIfAbsent(path,
              p -> candidate.resolve(p.startsWith("/") ? p.substring(1) : p)))
          .timeout(settings.timeout()).header("Content-Type", contentType).header(RequestIds.HEADER, ids)
          .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build();
      http.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray()).whenComplete((received, t) -> {
        room.release();
        if (t != null) {
          Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
          failed(cause instanceof java.net.http.HttpTimeoutException ? Outcome.TIMEOUT : Outcome.ERROR, mirrored, path, cause.toString());
          if (answer != null) {
            answer.complete(null);
          }
          return;
        }
        boolean compared = settle(path, production, decode, received.statusCode(), received.body(), System.nanoTime() - start, mirrored);
        if (answer != null) {
          answer.complete(compared ? received.body() : null);
        }
      });
    } catch (RuntimeException e) {
      room.release();
      failed(Outcome.ERROR, mirrored, path, e.toString());
      if (answer != null) {
        answer.complete(null);
      }
    }
  }

  /** What {@code GET /v1/shadow} reports: the configuration, and the candidate's answers compared with Production's since the start. */
  public java.util.Map<String, Object> snapshot() {
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("step", settings.step());
    out.put("mode", settings.mode());
    out.put("url", settings.url());
    out.put("share", settings.share());
    if (candidate == null) {
      return out;
    }
    out.put("answered", (long) outcomes[Outcome.OK.ordinal()].count());
    out.put("failed", (long) (outcomes[Outcome.ERROR.ordinal()].count() + outcomes[Outcome.TIMEOUT.ordinal()].count()));
    out.put("dropped", (long) outcomes[Outcome.DROPPED.ordinal()].count());
    comparison.snapshot(out);
    long[] counts = new long[latencyCounts.length()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = latencyCounts.get(i);
    }
    out.put("latency", java.util.Map.of("bounds", LATENCY_BOUNDS, "counts", counts, "untimed", Math.min(answeredCalls.get(), UNTIMED_CALLS)));
    return out;
  }

  /** Joins a true label to a compared row, if {@code id} is one. */
  public void label(String id, int label) {
    if (comparison != null) {
      comparison.label(id, label);
    }
  }

  /** Counts and compares the candidate's answer; whether it was a good one. */
  private boolean settle(String path, Prediction[] production, Function<byte[], Prediction[]> decode, int code, byte[] body, long nanos,
      int mirrored) {
    if (answeredCalls.incrementAndGet() > UNTIMED_CALLS) {
      latency.record(nanos, TimeUnit.NANOSECONDS);
      double seconds = nanos / 1e9;
      int bucket = 0;
      while (bucket < LATENCY_BOUNDS.length && seconds > LATENCY_BOUNDS[bucket]) {
        bucket++;
      }
      latencyCounts.incrementAndGet(bucket);
    }
    if (code / 100 != 2) {
      failed(Outcome.ERROR, mirrored, path, "HTTP " + code);
      return false;
    }
    Prediction[] candidateAnswers;
    try {
      candidateAnswers = decode.apply(body);
    } catch (RuntimeException e) {
      failed(Outcome.ERROR, mirrored, path, "an answer that could not be read: " + e.getMessage());
      return false;
    }
    if (candidateAnswers.length != production.length) {
      failed(Outcome.ERROR, mirrored, path, candidateAnswers.length + " answers to " + production.length + " rows");
      return false;
    }
    comparison.compare(production, candidateAnswers);
    outcomes[Outcome.OK.ordinal()].increment(mirrored);
    return true;
  }

  /** Counts a failed call of {@code mirrored} mirrored requests; says so in the log at most once a minute, since a candidate that is down fails every one. */
  private void failed(Outcome outcome, int mirrored, String path, String why) {
    outcomes[outcome.ordinal()].increment(mirrored);
    long now = System.currentTimeMillis();
    long last = lastWarning.get();
    if (now - last > 60_000 && lastWarning.compareAndSet(last, now)) {
      LOG.warn("shadow candidate {}: {} of POST {}: {} (counted in model_shadow_requests_total; the caller is not affected)",
          candidate, outcome.name().toLowerCase(Locale.ROOT), path, why);
    }
  }
}
