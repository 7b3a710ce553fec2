package dev.modelops.operator.drift;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A policy notification as a Slack incoming-webhook message ({@code spec.alert.format: slack}):
 * {@code text} (the notification in one line, shown by every Slack-compatible receiver and in
 * notifications) and {@code blocks} (a header naming the model and state, the message, and a
 * context line with the policy, the version, the previous state and the time).
 */
final class SlackMessage {
  /** Slack cuts a header's plain text at 150 characters. */
  static final int HEADER_MAX = 150;

  private SlackMessage() {}

  /** The message for the fields of a JSON notification (policy, namespace, model, modelVersion, state, previousState, message, time). */
  static Map<String, Object> of(Map<String, Object> fields) {
    String state = String.valueOf(fields.get("state"));
    String icon = "Alerting".equals(state) ? ":rotating_light:" : ":warning:";
    String where = fields.get("namespace") + "/" + fields.get("policy");
    Object before = fields.get("previousState");
    String text = icon + " Model " + fields.get("model") + " (" + fields.get("modelVersion") + ") is " + state
        + (before == null ? "" : " (was " + before + ")") + ", DriftPolicy " + where + ": " + fields.get("message");
    String header = "Model " + fields.get("model") + ": " + state;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("text", escape(text));
    out.put("blocks", List.of(
        Map.of("type", "header", "text", Map.of("type", "plain_text", "text",
            header.length() <= HEADER_MAX ? header : header.substring(0, HEADER_MAX - 1) + "…")),
        Map.of("type", "section", "text", Map.of("type", "mrkdwn", "text", escape(String.valueOf(fields.get("message"))))),
        Map.of("type", "context", "elements", List.of(Map.of("type", "mrkdwn", "text",
            escape("DriftPolicy " + where + " · version " + fields.get("modelVersion") + (before == null ? "" : " · was " + before)
                + " · " + fields.get("time")))))));
    return out;
  }

  /** Slack reads &, < and > as control characters in message text. */
  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
