"""Stable-Baselines3 PPO on CartPole with WandbCallback and sync_tensorboard=True."""

import gymnasium as gym
import wandb
from stable_baselines3 import PPO
from wandb.integration.sb3 import WandbCallback

run = wandb.init(project="sb3", name="tiny-ppo", sync_tensorboard=True,
                 config={"policy_type": "MlpPolicy"})
model = PPO("MlpPolicy", gym.make("CartPole-v1"), n_steps=64, batch_size=32, n_epochs=1,
            seed=0, verbose=0, tensorboard_log="tb", device="cpu")
model.learn(total_timesteps=128, callback=WandbCallback(gradient_save_freq=2,
                                                        model_save_path="models"))
print("RUN", run.path)
run.finish()
