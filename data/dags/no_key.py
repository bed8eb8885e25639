from airflow import DAG
from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator

with DAG('example_dag') as dag:
    task = BigQueryInsertJobOperator(
        task_id='bq_task',
        configuration={...},
        gcp_conn_id='gcp_no_key'
    )
