package dev.modelops.server.http;

import dev.modelops.server.ApiException;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.http.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

/**
 * The bearer token POST /v1/feedback requires when {@code model.feedback-token}
 * (MODEL_FEEDBACK_TOKEN) is set: feedback labels move live accuracy, which can retrain or alert,
 * so only who holds the token may send them. Unset, feedback is open as before. The token is
 * compared in constant time (both sides hashed first, so neither its content nor its length
 * shows in the timing) and never appears in an answer or a log. Surrounding whitespace is
 * dropped: a token file written with a final newline still matches.
 */
@Context
public class FeedbackToken {
  static final String SETTING = "model.feedback-token";
  private static final String BEARER = "bearer ";

  private final byte[] digest;

  public FeedbackToken(Environment environment) {
    Optional<String> configured = environment.getProperty(SETTING, String.class);
    if (configured.isPresent() && configured.get().isBlank()) {
      // An empty Secret key would otherwise open feedback to everyone without a word.
      throw new ConfigurationException(SETTING + " (MODEL_FEEDBACK_TOKEN) is set but empty: give it the token feedback"
          + " senders must present, or leave it unset to take feedback without one");
    }
    this.digest = configured.map(t -> sha256(t.strip())).orElse(null);
  }

  /** Whether feedback needs the token. */
  public boolean required() {
    return digest != null;
  }

  /** Refuses (401) a request whose Authorization header does not carry the token, when one is required. */
  public void check(String authorization) {
    if (digest == null) {
      return;
    }
    if (authorization == null || authorization.isBlank()) {
      throw refusal("POST /v1/feedback needs the header 'Authorization: Bearer <token>' with this server's feedback token"
          + " (model.feedback-token); the request had no Authorization header");
    }
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      String scheme = authorization.strip().split("\\s+", 2)[0];
      throw refusal("Authorization must be 'Bearer <token>', not the " + scheme.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "")
          + " scheme");
    }
    if (!MessageDigest.isEqual(sha256(authorization.substring(BEARER.length()).strip()), digest)) {
      throw refusal("the bearer token in Authorization is not this server's feedback token (model.feedback-token)");
    }
  }

  private static ApiException refusal(String message) {
    return new ApiException(HttpStatus.UNAUTHORIZED, "Authorization", message);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
