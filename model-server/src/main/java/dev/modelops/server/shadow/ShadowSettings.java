package dev.modelops.server.shadow;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.bind.annotation.Bindable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * Shadow rollout settings, under {@code model.shadow.*} (environment variables MODEL_SHADOW_URL,
 * MODEL_SHADOW_SHARE, ...). On a Production server, {@code url} turns mirroring on; on a
 * candidate, {@code acceptIds} lets it answer under the ids its Production server sends. Checked
 * at start: a bad value stops the server with a message naming the setting, the value and what
 * is allowed.
 *
 * @param url the candidate server's base URL (http or https); empty: no mirroring (the default)
 * @param share the share of Production's prediction requests mirrored to the candidate, 0 to 1
 * @param maxInFlight calls to the candidate waiting for its answer at once
 * @param queue mirrored requests waiting to be sent (in canary mode: calls waiting for a connection); past it a mirror is dropped (counted)
 * @param maxBatch the most single-record /v1/predict requests joined into one mirrored call (1: each its own call)
 * @param linger how long the sender waits, from the first waiting mirror, for others to join it in one call
 * @param timeout how long a mirrored request may wait for the candidate's answer before it counts as a timeout
 * @param acceptIds whether this server, as a candidate, answers under the prediction ids a Production server sends with a mirrored request
 * @param mode shadow (the candidate's answers are only compared) or canary (for the share of
 *     requests, the candidate's answer is the caller's, Production's own when the candidate fails)
 * @param step the rollout step this configuration is (the operator's MODEL_SHADOW_STEP), echoed by {@code GET /v1/shadow}
 */
@ConfigurationProperties("model.shadow")
public record ShadowSettings(
    @Bindable(defaultValue = "") String url,
    @Bindable(defaultValue = "1.0") double share,
    @Bindable(defaultValue = "8") int maxInFlight,
    @Bindable(defaultValue = "2000") int queue,
    @Bindable(defaultValue = "500") int maxBatch,
    @Bindable(defaultValue = "20ms") Duration linger,
    @Bindable(defaultValue = "1s") Duration timeout,
    @Bindable(defaultValue = "false") boolean acceptIds,
    @Bindable(defaultValue = "shadow") String mode,
    @Bindable(defaultValue = "") String step) {

  public ShadowSettings {
    url = url == null ? "" : url.strip();
    if (!url.isEmpty()) {
      candidate(url);
    }
    if (!(share >= 0 && share <= 1)) {
      throw refused("model.shadow.share (MODEL_SHADOW_SHARE)", Double.toString(share), "a share of requests from 0 to 1, such as 0.1");
    }
    if (maxInFlight < 1 || maxInFlight > 256) {
      throw refused("model.shadow.max-in-flight (MODEL_SHADOW_MAX_IN_FLIGHT)", Integer.toString(maxInFlight), "a number of requests from 1 to 256");
    }
    if (queue < 0 || queue > 100_000) {
      throw refused("model.shadow.queue (MODEL_SHADOW_QUEUE)", Integer.toString(queue), "a number of requests from 0 to 100000");
    }
    if (maxBatch < 1 || maxBatch > 1000) {
      throw refused("model.shadow.max-batch (MODEL_SHADOW_MAX_BATCH)", Integer.toString(maxBatch), "a number of requests from 1 to 1000");
    }
    if (linger == null || linger.isNegative() || linger.compareTo(Duration.ofSeconds(1)) > 0) {
      throw refused("model.shadow.linger (MODEL_SHADOW_LINGER)", String.valueOf(linger), "a duration from 0 to 1s, such as 20ms");
    }
    mode = mode == null || mode.isBlank() ? "shadow" : mode.strip();
    if (!mode.equals("shadow") && !mode.equals("canary")) {
      throw refused("model.shadow.mode (MODEL_SHADOW_MODE)", mode, "shadow (the candidate's answers are compared only) or canary (it answers the share of requests)");
    }
    step = step == null ? "" : step.strip();
    if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
      throw refused("model.shadow.timeout (MODEL_SHADOW_TIMEOUT)", String.valueOf(timeout), "a duration above 0 and at most 1m, such as 500ms or 2s");
    }
  }

  /** Whether the candidate answers the callers of its share of requests. */
  public boolean canary() {
    return mirrors() && mode.equals("canary");
  }

  /** Whether this server mirrors requests. */
  public boolean mirrors() {
    return !url.isEmpty() && share > 0;
  }

  /** The candidate's base URL, ending in '/' so that paths resolve under it. */
  public URI candidate() {
    return candidate(url);
  }

  private static URI candidate(String url) {
    String what = "model.shadow.url (MODEL_SHADOW_URL)";
    String allowed = "the candidate server's base URL, http:// or https:// with a host, such as http://churn-v4:8080";
    URI u;
    try {
      u = new URI(url.endsWith("/") ? url : url + "/");
    } catch (URISyntaxException e) {
      throw refused(what, url, allowed);
    }
    if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null
        || u.getQuery() != null || u.getFragment() != null) {
      throw refused(what, url, allowed);
    }
    return u;
  }

  private static ConfigurationException refused(String setting, String value, String allowed) {
    return new ConfigurationException(setting + " is '" + value + "'; it must be " + allowed);
  }
}
