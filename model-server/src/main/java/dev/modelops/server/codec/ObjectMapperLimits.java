package dev.modelops.server.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;

/** Micronaut's own ObjectMapper reads JSON within {@link Json#LIMITS} too. */
@Singleton
public class ObjectMapperLimits implements BeanCreatedEventListener<ObjectMapper> {
  @Override
  public ObjectMapper onCreated(BeanCreatedEvent<ObjectMapper> event) {
    Json.limit(event.getBean());
    return event.getBean();
  }
}
